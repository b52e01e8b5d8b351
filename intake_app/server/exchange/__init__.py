"""Exchange of data between institutions and across the Costa Rica–Panama border.

- :mod:`.registry`: the recipient registry (resources/exchange/recipients.yaml), this
  server's own entry, and the peers' public keys imported from signed files.
- :mod:`.envelope`: the package on the wire (cleartext manifest, HPKE-sealed payload,
  Ed25519 + ML-DSA-65 signatures of the sending server).
- :mod:`.outgoing`: case referrals under consent, aggregate packages, withdrawal
  notices; a supervisor approves before a package leaves.
- :mod:`.incoming`: import on the receiving side (verify, decrypt, validate, store once).
- :mod:`.aggregate`: suppressed tables for aggregate packages.
- :mod:`.htcds`: HTCDS 2.0 export (CSV and JSON) and its k-anonymized (k = 11) variant.
- :mod:`.cli` and :mod:`.web`: ``intake-server exchange …`` / ``export htcds`` and the
  supervisor's pages.

Everything here is audited in the server's hash-chained log: prepared, approved, sent,
received, opened, refused. Docs: docs/exchange.md.
"""
