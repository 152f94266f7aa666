"""What users read: reports, chargeback, HTML, FOCUS export, run files."""
