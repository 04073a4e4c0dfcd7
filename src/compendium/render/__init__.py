"""How results are shown and written: the papers' tables and figures (:mod:`.tables`,
:mod:`.figures`, :mod:`.network_figures`), safe deterministic writing (:mod:`.artefacts`),
the artefact registry (:mod:`.registry`), Markdown (:mod:`.markdown`), the notebooks'
display set-up (:mod:`.notebook`), the README's generated blocks (:mod:`.results`,
:mod:`.readme`) and the website (:mod:`.site`).
"""
