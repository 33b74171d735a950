"""One pipeline for every bulk call, on both keys and both twins.

`rows` (the one row reader), `plan` (the plan and the ledger, sans-IO: a dry run is the
run without its writes), `lookups` (what a plan looks up by uid, on disk past 2 MB),
`results` (one result schema, in memory or streamed to a CSV), `progress`, `interrupt`
(Ctrl-C), `job` (one call's bookkeeping) and `drive` (the thread and task drivers).
`Session.create_users` runs it with the auth key's writes; `session.admin`'s
`create_users`, `update_users`, `upsert_users` and `delete_users` with the REST API key's.
Nothing is imported here: `import cometchat_nb` loads no pandas.
"""
