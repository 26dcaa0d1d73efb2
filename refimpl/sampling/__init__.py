"""refimpl.sampling: planned family (see the project issues); no public functions yet."""
