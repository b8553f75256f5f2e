"""The headless core: config, secrets, jobs, store, runner, provenance. No Qt here."""
