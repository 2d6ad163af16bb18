"""Qualitative strand: coded interview segments -> theme matrix, quotes, agreement, joint display.

Modules: ``readers`` (tidy CSVs, QualCoder and Taguette exports), ``analysis``
(cut-off, theme matrix, quote bank, joint display), ``agreement`` (Cohen's
kappa, Krippendorff's alpha), ``pipeline`` (the rules' entry points) and
``figures`` (drawn from the table CSVs only).
"""
