# Audit trail: data-quality log, ledger, disclosure log, provenance manifest.
