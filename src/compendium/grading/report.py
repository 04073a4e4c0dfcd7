"""What grading produces: the gradebook, one feedback file per student, the class report and figure.

Column names of the gradebook say exactly what each number is::

    student_id, assignment, submission,
    <var>_agreement_pct           percent of items coded like the reference
    <var>_cohen_kappa             Cohen's κ vs the reference (sklearn.metrics.cohen_kappa_score, unweighted)
    <var>_kripp_alpha_nominal     Krippendorff's α vs the reference (krippendorff.alpha, level "nominal")
    <var>_points, total, max_score, grading_status (ok|invalid|timeout|error|refused), runtime_s, comments

*Too alike to be chance* (:func:`similar_pairs`): take student A's wrong codes (the item-variable cells
where A differs from the reference) and count how many of them student B gives too -- the same wrong
code. Under the null hypothesis that B answers independently of A, B gives A's wrong code x on cell k
with probability p_k = the share of the *rest of the class* (leave-pair-out, plus a prior of one
pseudo-answer spread evenly over the variable's codes) that gave x there. The count is then a sum of
independent Bernoulli(p_k) -- a Poisson-binomial -- and its exact upper tail is the p-value (taken in the
direction, A→B or B→A, that gives the smaller one). A pair is flagged when the Bonferroni-adjusted p-value
(× the number of ordered pairs) is below 0.05 and they share at least 3 wrong codes. Mistakes the class
commonly makes (e.g. emulation for combination) hardly count; rare shared mistakes count a lot. A flag is
a reason for a person to look, not a finding of misconduct: a shared source, a study group or the same
misreading of one passage produce it too.
"""

from __future__ import annotations

import html
import math
import sys
from pathlib import Path

from compendium.grading.agreement import krippendorff_alpha_nominal
from compendium.grading.assignments import Assignment
from compendium.grading.batch import GradingRun, majority_baseline

FLAG_ALPHA = 0.05
FLAG_MIN_SHARED = 3


def _fmt(x: float, nd: int = 3) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{nd}f}"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """A text cell a spreadsheet will not run as a formula: one starting with = + - @ (or a tab or
    carriage return) gets a leading apostrophe, as OWASP advises; numbers are left alone."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def md_safe(text) -> str:
    """Student-supplied text for a Markdown line or table cell: one line of printable characters, HTML
    escaped (no markup reaches a reader), and table bars and link brackets backslash-escaped."""
    s = "".join(ch if ch.isprintable() else " " for ch in " ".join(str(text).split()))
    s = html.escape(s, quote=False)
    for ch in _MD_SPECIAL:
        s = s.replace(ch, "\\" + ch)
    return s


#: backslash-escaped in student text: table bars and link brackets (emphasis and code spans cannot inject
#: anything once the text is HTML-escaped, and the grader's own comments use `code`)
_MD_SPECIAL = ("\\", "|", "[", "]")


def md_id(student_id: str) -> str:
    """A student id in running text: as code where it is a plain name, else escaped."""
    import re

    return f"`{student_id}`" if re.fullmatch(r"[A-Za-z0-9._-]+", student_id) else md_safe(student_id)


def feedback_names(run: GradingRun) -> list[str]:
    """One feedback file stem per result, in order: the student id where it is a plain, short file name,
    else a plain prefix of it and a short hash; ``-2``, ``-3`` … where two would clash (case-insensitively)."""
    import hashlib
    import re

    names, taken = [], set()
    for r in run.results:
        sid = r.student_id
        plain = re.sub(r"[^A-Za-z0-9._-]", "_", sid).lstrip(".")[:80] or "submission"
        if plain != sid:
            plain = f"{plain}-{hashlib.sha256(sid.encode('utf-8', 'surrogateescape')).hexdigest()[:8]}"
        name, n = plain, 1
        while name.casefold() in taken:
            n += 1
            name = f"{plain}-{n}"
        taken.add(name.casefold())
        names.append(name)
    return names


#: who a row is, when an LMS download or a class list says so (gradebook columns, in this order)
IDENTITY = ("full_name", "username", "email", "sis_id", "lms", "lms_id", "section", "late")


def gradebook(run: GradingRun, runtime: bool = True):
    import pandas as pd

    a = run.assignment
    identity = any(r.identity for r in run.results)
    rows = []
    for r in run.results:
        row = {"student_id": r.student_id, "assignment": a.name, "submission": r.kind}
        for v in a.variable_names:
            m = r.metrics.get(v, {})
            row[f"{v}_agreement_pct"] = round(m["agreement_pct"], 2) if m else None
            row[f"{v}_cohen_kappa"] = round(m["cohen_kappa"], 4) if m else None
            row[f"{v}_kripp_alpha_nominal"] = round(m["kripp_alpha_nominal"], 4) if m else None
            row[f"{v}_points"] = r.points.get(v) if r.status == "ok" else None  # not graded: blank, not 0
        row.update(total=r.total if r.status == "ok" else None, max_score=a.max_score, grading_status=r.status)
        if identity:
            row.update({k: r.identity.get(k, "") for k in IDENTITY})
        if runtime:
            row["runtime_s"] = r.runtime_s
        row["comments"] = r.comments
        rows.append(row)
    return pd.DataFrame(rows)


def differences(a: Assignment, codes: dict[str, dict[str, str]]) -> list[dict]:
    out = []
    for ref_row in a.key_records:
        item = ref_row["item_id"]
        for v in a.variable_names:
            got = codes[v][item]
            if got != ref_row[v]:
                out.append({"item_id": item, "label": ref_row["label"], "variable": v, "yours": got,
                            "reference": ref_row[v], **a.evidence(item)})
    return out


#: what κ and α are, in one sentence per language: the feedback shows them, the score does not use them
KAPPA_ALPHA = ("Cohen's κ and Krippendorff's α measure how far your codes agree with the reference beyond what "
               "chance would give (1 = perfect, 0 = chance level); they are for your information and do not "
               "change the score.",
               "κ Cohen dan α Krippendorff mengukur seberapa jauh kode Anda sesuai dengan rujukan di luar "
               "kebetulan (1 = sempurna, 0 = setara kebetulan); keduanya sebagai informasi dan tidak mengubah nilai.")
#: the status of a submission that was not graded, in Indonesian
STATUS_ID = {"invalid": "tidak dapat dinilai", "ambiguous": "ambigu: lebih dari satu berkas",
             "missing": "tidak ada tugas", "timeout": "melebihi batas waktu", "error": "galat",
             "refused": "ditolak (tanpa sandbox)"}


def scoring_id(a: Assignment) -> str:
    """The rubric in one Indonesian sentence (the English one is :meth:`Assignment.rubric_text`)."""
    if a.scheme == "baseline-corrected":
        return ("Penilaian: nilai diukur dari nilai tugas yang memberi setiap butir kode yang paling sering "
                f"dipakai rujukan (nilai 0); tugas sempurna bernilai {a.max_score:g}, dan setiap kode yang "
                "berbeda dari rujukan mengurangi nilai dengan jumlah kecil yang sama.")
    return (f"Penilaian: poin per variabel menurut persentase butir yang dikodekan sama dengan rujukan; "
            f"maksimum {a.max_score:g}.")


def fixes(r) -> list[str]:
    """What to fix, one whole sentence per line (never a sentence cut at a "; " inside it)."""
    if getattr(r, "fixes", None):
        return list(r.fixes)
    text = r.comments
    for prefix in ("Fix and hand in again: ",):
        text = text.removeprefix(prefix)
    return [text] if text.strip() else []


def feedback_markdown(a: Assignment, r) -> str:
    lines = [f"# Feedback: {md_safe(a.title)}", "", "*Umpan balik -- English, then Bahasa Indonesia.*", "",
             f"Student / Mahasiswa: {md_id(r.student_id)} · submission: {r.kind} · status: **{r.status}**", ""]
    if r.status != "ok":
        lines += [f"Score / Nilai: **not graded** / *{STATUS_ID.get(r.status, 'tidak dinilai')}* (out of "
                  f"{a.max_score:g}; the gradebook leaves it blank, not 0).", "",
                  "What to fix / Yang perlu diperbaiki:", ""] + [f"- {md_safe(c.strip())}" for c in fixes(r)]
        return "\n".join(lines) + "\n"
    lines += [f"Score / Nilai: **{r.total:g} / {a.max_score:g}**", "", f"Rubric: {a.rubric_text()}.", "",
              f"*{scoring_id(a)}*", "",
              "| variable | agreement | Cohen's κ | Krippendorff's α (nominal) | points |", "|---|---|---|---|---|"]
    for v in a.variables:
        m = r.metrics[v.name]
        lines.append(f"| {v.name} | {m['agreement_pct']:.1f} % | {_fmt(m['cohen_kappa'])} | "
                     f"{_fmt(m['kripp_alpha_nominal'])} | {r.points[v.name]:g} / {v.weight:g} |")
    lines += ["", KAPPA_ALPHA[0], "", f"*{KAPPA_ALPHA[1]}*"]
    if getattr(r, "note", ""):  # the intake's note, e.g. which of several files was graded
        lines += ["", f"Note: {md_safe(r.note)}"]
    diffs = differences(a, r.codes)
    lines += ["", f"## Items coded differently from the reference / Butir yang dikodekan berbeda dari rujukan "
                  f"({len(diffs)})", ""]
    if not diffs:
        lines.append("None: every code agrees with the reference. / Tidak ada: semua kode sesuai dengan rujukan.")
    for d in diffs:
        where = f"paper {d['paper']}" + (f", p. {d['page']}" if d["page"] else "") + \
                (f", {d['section']}" if d["section"] else "")
        yours_id, ref_id = (a.definition(d["variable"], d[k], "id") for k in ("yours", "reference"))
        lines += [f"### `{d['item_id']}` -- {d['variable']}", "",
                  f"*{d['label']}*", "",
                  f"- your code: **{d['yours']}** -- {a.definition(d['variable'], d['yours']) or '(no definition)'}",
                  f"  - kode Anda: *{yours_id}*" if yours_id else "",
                  f"- reference: **{d['reference']}** -- {a.definition(d['variable'], d['reference']) or '(no definition)'}",
                  f"  - rujukan: *{ref_id}*" if ref_id else "",
                  f"- evidence / bukti ({where}; segment `{d['segment_id']}`):", "",
                  f"  > {d['quote']}", ""]
    return "\n".join(line for line in lines if line is not None) + "\n"


def markdown_to_html(md: str, title: str) -> str:
    """A small converter for the feedback's own Markdown (headings, lists, quotes, tables, bold).

    Not a Markdown library, on purpose: the feedback uses a handful of constructs, and mistune took
    6 ms per feedback file against 1 ms here -- 1.5 s more for 300 students, which would put grading
    a class at the edge of its 10 s budget."""
    import re

    def inline(s: str) -> str:
        # text from md_safe: undo its HTML escaping and keep its backslash-escaped characters literal
        # (placeholders), then escape once for HTML
        s = html.unescape(s)
        literal: list[str] = []

        def keep(m):
            literal.append(m.group(1))
            return f"\x00{len(literal) - 1}\x00"

        s = re.sub(r"\\([\\|`*_\[\]])", keep, s.replace("\x00", ""))
        s = html.escape(s)
        s = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", s)
        s = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<em>\1</em>", s)
        s = re.sub(r"`(.+?)`", r"<code>\1</code>", s)
        return re.sub("\x00(\\d+)\x00", lambda m: html.escape(literal[int(m.group(1))]), s)

    out, in_list, in_table = [], False, False
    for line in md.splitlines():
        stripped = line.strip()
        if in_list and not stripped.startswith("- "):
            out.append("</ul>")
            in_list = False
        if in_table and not stripped.startswith("|"):
            out.append("</table>")
            in_table = False
        if not stripped:
            continue
        if stripped.startswith("#"):
            level = len(stripped) - len(stripped.lstrip("#"))
            out.append(f"<h{level}>{inline(stripped[level:].strip())}</h{level}>")
        elif stripped.startswith("|"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", stripped.strip("|"))]
            if set("".join(cells)) <= set("-"):
                continue
            tag = "th" if not in_table else "td"
            if not in_table:
                out.append("<table>")
                in_table = True
            out.append("<tr>" + "".join(f"<{tag}>{inline(c)}</{tag}>" for c in cells) + "</tr>")
        elif stripped.startswith("- "):
            if not in_list:
                out.append("<ul>")
                in_list = True
            out.append(f"<li>{inline(stripped[2:])}</li>")
        elif stripped.startswith(">"):
            out.append(f"<blockquote>{inline(stripped[1:].strip())}</blockquote>")
        else:
            out.append(f"<p>{inline(stripped)}</p>")
    if in_list:
        out.append("</ul>")
    if in_table:
        out.append("</table>")
    style = ("body{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.4}"
             "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .5em}"
             "blockquote{border-left:3px solid #999;margin-left:1em;padding-left:1em;color:#333}")
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body>\n" + "\n".join(out) + "\n</body></html>\n")


# ---------------------------------------------------------------------------------- class statistics
def similar_pairs(run: GradingRun):
    """Pairs of valid submissions with more shared wrong codes than independent errors predict."""
    import numpy as np
    import pandas as pd

    a = run.assignment
    ok = sorted((r for r in run.results if r.status == "ok"), key=lambda r: r.student_id)
    columns = ["student_a", "student_b", "shared_wrong", "expected_shared_wrong", "p_value", "p_bonferroni"]
    n = len(ok)
    if n < 2:
        return pd.DataFrame(columns=[*columns, "flagged"])
    # answers as integer codes: X[student, cell]; counts C[cell, code]; prior 1/K per code
    blocks, refs, prior, width = [], [], [], max(len(v.codes) for v in a.variables)
    for v in a.variables:
        index = {c: i for i, c in enumerate(v.codes)}
        blocks.append(np.array([[index[r.codes[v.name][i]] for i in a.items] for r in ok]))
        refs.append(np.array([index[c] for c in a.key[v.name]]))
        prior.append(np.full(len(a.items), 1 / len(v.codes)))
    X, ref, prior = np.hstack(blocks), np.concatenate(refs), np.concatenate(prior)
    cells = np.arange(X.shape[1])
    C = np.zeros((X.shape[1], width))
    for row in X:
        C[cells, row] += 1
    wrong = X != ref
    n_tests = n * (n - 1)  # ordered pairs: each student in turn as the "source"
    P = np.ones((n, n))
    S = np.zeros((n, n), dtype=int)
    E = np.zeros((n, n))
    for i in range(n):
        w = np.flatnonzero(wrong[i])
        if not len(w):
            continue
        x = X[i, w]  # i's wrong codes
        same = X[:, w] == x  # (n, m): who gives i's wrong code
        # leave-pair-out share of the rest of the class giving x: count - i - (k if k gave it too)
        p = (C[w, x][None, :] - 1 - same + prior[w][None, :]) / (n - 2 + 1)
        p = np.clip(p, 1e-12, 1.0)
        shared = same.sum(axis=1)
        dist = np.zeros((n, len(w) + 1))
        dist[:, 0] = 1.0
        for j in range(len(w)):  # Poisson-binomial distribution, one row per candidate partner k
            pj = p[:, j:j + 1]
            dist[:, 1:] = dist[:, 1:] * (1 - pj) + dist[:, :-1] * pj
            dist[:, 0] *= 1 - pj[:, 0]
        tail = np.cumsum(dist[:, ::-1], axis=1)[:, ::-1]  # tail[k, s] = P(S >= s)
        P[i] = np.where(shared > 0, np.minimum(1.0, tail[np.arange(n), shared]), 1.0)
        S[i], E[i] = shared, p.sum(axis=1)
    rows = []
    ids = [r.student_id for r in ok]
    for i in range(n):
        for k in range(i + 1, n):
            src, dst = (i, k) if P[i, k] <= P[k, i] else (k, i)
            rows.append((ids[i], ids[k], int(S[src, dst]), float(E[src, dst]), float(P[src, dst]),
                         float(min(1.0, P[src, dst] * n_tests))))
    frame = pd.DataFrame(rows, columns=columns)
    frame["flagged"] = (frame["p_bonferroni"] < FLAG_ALPHA) & (frame["shared_wrong"] >= FLAG_MIN_SHARED)
    return frame.sort_values(["p_value", "student_a", "student_b"]).reset_index(drop=True)


def item_difficulty(run: GradingRun):
    import pandas as pd

    a = run.assignment
    ok = [r for r in run.results if r.status == "ok"]
    rows = []
    for v in a.variable_names:
        for item, ref in zip(a.items, a.key[v]):
            got = [r.codes[v][item] for r in ok]
            wrong = [g for g in got if g != ref]
            common = max(set(wrong), key=lambda c: (wrong.count(c), c)) if wrong else ""
            rows.append({"item_id": item, "variable": v, "reference": ref,
                         "agreement_pct": 100 * (len(got) - len(wrong)) / len(got) if got else math.nan,
                         "commonest_wrong_code": common})
    return pd.DataFrame(rows).sort_values(["agreement_pct", "variable", "item_id"]).reset_index(drop=True)


def confusion(run: GradingRun, variable: str):
    import pandas as pd

    a = run.assignment
    codes = next(v.codes for v in a.variables if v.name == variable)
    index = {c: i for i, c in enumerate(codes)}
    counts = [[0] * len(codes) for _ in codes]
    refs = list(zip(a.items, a.key[variable]))
    for r in run.results:
        if r.status == "ok":
            got = r.codes[variable]
            for item, ref in refs:
                counts[index[ref]][index[got[item]]] += 1
    return pd.DataFrame(counts, index=pd.Index(codes, name="reference"), columns=pd.Index(codes, name="student"))


def students_alpha(run: GradingRun) -> dict[str, float]:
    """Krippendorff's α (nominal) among the valid submissions themselves, per variable."""
    a = run.assignment
    ok = [r for r in run.results if r.status == "ok"]
    return {v: krippendorff_alpha_nominal([[r.codes[v][i] for i in a.items] for r in ok]) if len(ok) > 1
            else math.nan for v in a.variable_names}


def class_figure(run: GradingRun):
    """Score distribution, hardest items, one confusion matrix per variable, α among students."""
    import matplotlib.pyplot as plt
    import numpy as np

    from compendium.render.artefacts import configure_matplotlib

    configure_matplotlib()
    a = run.assignment
    nv = len(a.variables)
    fig, axes = plt.subplots(2, max(2, nv), figsize=(5.2 * max(2, nv), 9.5))
    ok = [r for r in run.results if r.status == "ok"]
    ax = axes[0][0]
    scores = [r.total for r in ok]
    ax.hist(scores, bins=np.linspace(0, a.max_score, 11), color="#4c72b0", edgecolor="white")
    ax.set(title=f"Scores of {len(ok)} graded submissions", xlabel=f"total (max {a.max_score:g})",
           ylabel="students")
    ax.yaxis.get_major_locator().set_params(integer=True)  # students are counted: no tick at 0.25
    ax = axes[0][1]
    hard = item_difficulty(run).head(10).iloc[::-1]
    ax.barh([f"{i} · {v}" for i, v in zip(hard["item_id"], hard["variable"])], hard["agreement_pct"],
            color="#dd8452")
    ax.set(title="Hardest items (agreement with the reference)", xlabel="% of students", xlim=(0, 100))
    ax.tick_params(axis="y", labelsize=7)
    alphas = students_alpha(run)
    for extra in axes[0][2:]:
        extra.bar(list(alphas), [0 if math.isnan(x) else x for x in alphas.values()], color="#55a868")
        extra.set(title="Krippendorff's α (nominal) among students", ylim=(-0.2, 1))
    for k, v in enumerate(a.variable_names):
        ax = axes[1][k]
        m = confusion(run, v)
        ax.imshow(m.values, cmap="Blues")
        ax.set_xticks(range(len(m.columns)), m.columns, rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(len(m.index)), m.index, fontsize=7)
        for (i, j), n in np.ndenumerate(m.values):
            if n:
                ax.text(j, i, str(n), ha="center", va="center", fontsize=6,
                        color="white" if n > m.values.max() / 2 else "black")
        ax.set(title=f"{v}: reference (rows) × students (columns)")
    for ax in axes[1][nv:]:
        ax.axis("off")
    fig.suptitle(f"{a.title} — class report", fontsize=11)
    fig.tight_layout()
    return fig


def class_figure_files(run: GradingRun) -> dict[str, bytes]:
    """The class figure as PNG and SVG bytes, drawn once per run: the reports written from one run
    (the instructor's and the committed copy) share it."""
    if run.figure_files is None:
        import matplotlib.pyplot as plt

        from compendium.render.artefacts import figure_bytes

        fig = class_figure(run)
        run.figure_files = figure_bytes(fig)
        plt.close(fig)
    return run.figure_files


def _md_alt(text: str) -> str:
    """Alt text safe inside ``![...]``."""
    return text.replace("[", "(").replace("]", ")").replace("\n", " ")


def class_report_markdown(run: GradingRun, figure_name: str | None = None) -> str:
    a = run.assignment
    book = gradebook(run, runtime=False)
    ok = book[book["grading_status"] == "ok"]
    lines = [f"# Class report: {a.title}", "",
             f"{len(book)} submission(s): " + ", ".join(f"{n} {s}" for s, n in
                                                     book["grading_status"].value_counts().sort_index().items()) + ".",
             f"Rubric: {a.rubric_text()}.", ""]
    if run.isolation in ("unsafe", "refused"):
        lines += ["**Notebook submissions were " + ("run WITHOUT a sandbox (`--unsafe`): their code could read "
                  "and change anything the grader can, the answer key included." if run.isolation == "unsafe" else
                  "refused: no sandbox (bubblewrap or unshare) is available on this machine; install bubblewrap "
                  "or grade again with `--unsafe`.") + "**", ""]
    if figure_name:
        alt = (f"Class report figure for {a.title}: the score distribution, the hardest items, one "
               "confusion matrix per variable and Krippendorff's alpha among the students")
        lines += [f"![{_md_alt(alt)}]({figure_name})", ""]
    if len(ok):
        modal, floor = majority_baseline(a)
        lines += ["## Scores", "", f"mean {ok['total'].mean():.2f}, median {ok['total'].median():.2f}, "
                  f"min {ok['total'].min():g}, max {ok['total'].max():g} (of {a.max_score:g}).", "",
                  "Baseline: a submission giving every item the commonest reference code ("
                  + ", ".join(f"{v} `{c}`" for v, c in modal.items())
                  + f") would score {floor:g} of {a.max_score:g}; read the scores against it.", "",
                  "| variable | mean agreement % | mean Cohen's κ | mean Krippendorff's α (nominal) | α among students (nominal) |",
                  "|---|---|---|---|---|"]
        alphas = students_alpha(run)
        for v in a.variable_names:
            lines.append(f"| {v} | {ok[f'{v}_agreement_pct'].mean():.1f} | {_fmt(ok[f'{v}_cohen_kappa'].mean())} | "
                         f"{_fmt(ok[f'{v}_kripp_alpha_nominal'].mean())} | {_fmt(alphas[v])} |")
        hard = item_difficulty(run).head(10)
        lines += ["", "## Hardest items", "", "| item | variable | reference | agreement % | commonest wrong code |",
                  "|---|---|---|---|---|"]
        for _, h in hard.iterrows():
            lines.append(f"| {h['item_id']} | {h['variable']} | {h['reference']} | {h['agreement_pct']:.0f} | "
                         f"{h['commonest_wrong_code']} |")
        pairs = similar_pairs(run)
        flagged = pairs[pairs["flagged"]]
        lines += ["", "## Submissions too alike to be chance (for a person to judge)", "",
                  "Statistic: how many of one student's *wrong* codes the other gives too; null model: the other "
                  "answers independently, at the rates of the rest of the class (exact Poisson-binomial tail). "
                  f"Flag: Bonferroni-adjusted p < {FLAG_ALPHA} over {len(pairs) * 2} ordered pairs and at least "
                  f"{FLAG_MIN_SHARED} shared wrong codes. A flag is a reason to look, not evidence of copying.", ""]
        if flagged.empty:
            lines.append("No pair flagged.")
        else:
            lines += ["| student | student | shared wrong codes | expected by chance | p | p (Bonferroni) |",
                      "|---|---|---|---|---|---|"]
            for _, p in flagged.iterrows():
                lines.append(f"| {md_safe(p['student_a'])} | {md_safe(p['student_b'])} | {p['shared_wrong']} | "
                             f"{p['expected_shared_wrong']:.2f} | {p['p_value']:.2g} | {p['p_bonferroni']:.2g} |")
    bad = book[book["grading_status"] != "ok"]
    if len(bad):
        lines += ["", "## Not graded", "", "| student | status | comment |", "|---|---|---|"]
        for _, b in bad.iterrows():
            lines.append(f"| {md_safe(b['student_id'])} | {b['grading_status']} | {md_safe(b['comments'])} |")
    return "\n".join(lines) + "\n"


def write_reports(run: GradingRun, out_dir: Path | str, runtime: bool = True, artefacts: bool = False,
                  figure_stem: Path | str | None = None, lms_column: str | None = None) -> dict[str, Path]:
    """Write gradebook.csv, feedback/STUDENT.md|.html, class_report.md and the figure.

    ``artefacts=True`` writes through :mod:`compendium.render.artefacts` (staged during a build, no dates);
    ``runtime=False`` leaves the run-dependent ``runtime_s`` out (for committed outputs).
    ``figure_stem`` defaults to ``out_dir/class_report`` (PNG and SVG)."""
    import os

    from compendium.render.artefacts import atomic_write, write_bytes, write_text

    out = Path(out_dir)

    def put(path: Path, text: str) -> Path:
        if artefacts:
            return write_text(path, text)
        return atomic_write(path, (text if text.endswith("\n") else text + "\n").encode("utf-8"))

    book = gradebook(run, runtime)
    for column in book.columns:
        if not (book[column].dtype.kind in "biuf"):
            book[column] = book[column].map(csv_safe)
    written = {"gradebook": put(out / "gradebook.csv", book.to_csv(index=False, lineterminator="\n"))}
    a = run.assignment
    htmls = {}
    for k, (r, name) in enumerate(zip(run.results, feedback_names(run))):
        try:
            md = feedback_markdown(a, r)
            htmls[k] = markdown_to_html(md, f"Feedback {r.student_id}")
            put(out / "feedback" / f"{name}.md", md)
            put(out / "feedback" / f"{name}.html", htmls[k])
        except Exception as err:  # one student's feedback never stops the others' or the class report
            print(f"note: no feedback file for {name} ({type(err).__name__}: {err})", file=sys.stderr)
    if not artefacts:  # the LMS import files: only for an instructor's run (a build has no LMS)
        from compendium.grading.lms import write_lms_files

        written.update(write_lms_files(run, out, htmls, lms_column))
    stem = Path(figure_stem) if figure_stem else out / "class_report"
    if any(r.status == "ok" for r in run.results):
        for fmt, data in class_figure_files(run).items():
            (write_bytes if artefacts else atomic_write)(Path(f"{stem}.{fmt}"), data)
        rel = os.path.relpath(f"{stem}.png", out)
    else:
        rel = None
    written["class_report"] = put(out / "class_report.md", class_report_markdown(run, rel))
    return written
