"""The state machine's recovery paths: only a job with a remote id is checked again."""

import pytest

from studio.core.jobs import InvalidTransition, JobStatus, check_transition

S = JobStatus


@pytest.mark.parametrize(("old", "new"), [
    (S.UNKNOWN, S.SUBMITTED), (S.UNKNOWN, S.RUNNING), (S.FAILED, S.SUBMITTED),
    (S.FAILED, S.RUNNING),
])
def test_checking_again_needs_a_remote_id(old, new):
    check_transition(old, new, remote_id="r-1")
    with pytest.raises(InvalidTransition, match="never reached the provider"):
        check_transition(old, new, remote_id=None)


@pytest.mark.parametrize(("old", "new"), [
    (S.SUBMITTED, S.UNKNOWN), (S.RUNNING, S.UNKNOWN),  # status checks failed too long
    (S.SUBMITTING, S.QUEUED),  # "not accepted" (429/503): waiting to be sent again
    (S.UNKNOWN, S.CANCELLED),
])
def test_recovery_transitions_are_allowed(old, new):
    check_transition(old, new, remote_id="r-1")


@pytest.mark.parametrize(("old", "new"), [
    (S.SUCCEEDED, S.RUNNING), (S.CANCELLED, S.SUBMITTED), (S.DRY_RUN, S.QUEUED),
    (S.FAILED, S.SUCCEEDED), (S.UNKNOWN, S.SUCCEEDED), (S.FAILED, S.QUEUED),
])
def test_finished_jobs_stay_finished(old, new):
    with pytest.raises(InvalidTransition):
        check_transition(old, new, remote_id="r-1")
