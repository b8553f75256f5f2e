"""Export: copies with sidecars and embedded metadata (copies, embed, names, sources),
C2PA content credentials, and contact sheets of compare groups."""
