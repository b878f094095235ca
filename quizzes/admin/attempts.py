"""Admin for learners' attempts (to come: list per quiz and learner, review, reopen, regrade)."""
