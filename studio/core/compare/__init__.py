"""Compare groups: one brief fanned out to many models (groups), how the brief adapts to
each model (adapt), votes and blind rounds (votes), and the artist's scoreboard."""
