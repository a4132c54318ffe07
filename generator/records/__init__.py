"""Making and keeping the record: files on disk, the audit log, a clinic day.

Owns filing a made form under the never-overwrite rules (`filing`), writing
files whole and private (`output`), the audit log (`audit`), the batch of a
clinic day with its workers, folder lock, reports and print bundle
(`batch`, `lock`, `reports`, `bundle`) and printing through CUPS
(`printing`). It may import every stage below it: the shared modules, the
model, definitions, intake, verify, settings (config) and making (api).
"""
