"""refimpl.newton: planned family (see the project issues); no public functions yet."""
