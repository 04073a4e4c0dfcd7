"""What the coded data says: the actor network (:mod:`.network`), the policy outputs
(:mod:`.outputs`) and the ledger of the papers' claims checked against the data
(:mod:`.claims`).
"""
