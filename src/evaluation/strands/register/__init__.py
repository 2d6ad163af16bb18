"""The register strand: a study's register of units that are not people.

Record sets (sheets of a workbook, CSV files, an online-survey export) are
declared in the study's ``codebook/register.yaml`` (``spec``), read and
validated (``read``), and counted into the tables (``tables``) and facts
(``context``) the codebook declares.
"""
