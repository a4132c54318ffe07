"""Whatever is typed into the desk page, the answer is a made form or a
page of messages: never a server error, a hang or a file left half made."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ADULT
from tests.served import Client, start_server

FIELDS = ["given_name", "family_name", "date_of_birth", "record_number", "procedure_date", "clinician",
          "guardian", "guardian_relationship", "interpreter", "interpreter_language", "language", "form"]  # fmt: skip


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("fuzzed-desk"))
    yield server
    server.stop()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS), value=st.text(max_size=300))
def test_any_text_in_any_field_gets_a_form_or_messages(desk, field, value):
    client = Client(desk.base)
    client.get("/")
    answer = client.post("/make", {"form": "laser-acne-scar", "language": "en", **ADULT, field: value})
    assert answer.status in (303, 422), (field, value, answer.status, answer.text[:300])
    if answer.status == 422:
        assert "The form was not made. Please fix:" in answer.text
    assert not list(desk.out_dir.glob(".consent-*"))  # no half-written file
