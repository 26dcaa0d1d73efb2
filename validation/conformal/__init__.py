"""Validation claims of the conformal family (the family's manifest imports its claim modules here).

C-1 (full) / C-1q (quick) synthetic multilabel time series (Farinhas et al. Table 2, Fig. 1); C-2 exact identities;
C-3/C-4 Monte-Carlo validity, tightness and the "+1" test; C-5 ELEC2 (full mode); C-6 multi-output
norm-score coverage; C-7..C-9 peer cross-checks against MAPIE and crepes.
"""

from . import crosscheck, elec2, identities, montecarlo, multioutput, peers, synthetic_multilabel  # noqa: F401
