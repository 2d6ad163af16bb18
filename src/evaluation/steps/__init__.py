"""Entry points of the Snakemake rules: read the rule's input files, call the pure
functions of the package, write the rule's outputs. One function per rule."""
