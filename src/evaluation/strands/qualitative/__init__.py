"""Qualitative strand: coded interview segments -> theme matrix, quotes, agreement, joint display.

Modules: ``read`` (tidy CSVs, QualCoder and Taguette exports, the identifier
guard), ``cutoff`` (participants interviewed by the census date), ``analysis``
(theme matrix, quote bank, joint display), ``agreement`` (Cohen's kappa,
Krippendorff's alpha), ``tables``, ``context`` (numbers for the prose),
``figures`` (drawn from the table CSVs only) and ``steps`` (the rules' entry
points).
"""
