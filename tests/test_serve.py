"""`consent serve` over real HTTP: a real server started on a free port, a
plain HTTP client per browser. The browser itself is in test_browser.py."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import socket
import ssl
import stat
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

from generator.serve.app import ROUTES
from generator.serve.guard import CONTENT_SECURITY_POLICY
from generator.verify.verification import verify_file
from tests.conftest import ADULT
from tests.served import Client, start_server, text_of

PASSWORD = "correct horse battery"
NAME = "j.smith"


def add_user(work: Path, name: str, password: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", "--config", str(work / "consent.toml"), "serve", "add-user", name,
         "--password-stdin"],
        input=password + "\n", capture_output=True, text=True, cwd=work,
    )  # fmt: skip


@pytest.fixture(scope="module")
def open_desk(tmp_path_factory):
    """One reception PC: loopback, no sign-in."""
    server = start_server(tmp_path_factory.mktemp("open-desk"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def staffed(tmp_path_factory):
    """Staff sign in (two names)."""
    work = tmp_path_factory.mktemp("staffed")
    (work / "consent.toml").write_text('[serve]\nusers = "staff.users"\n', encoding="utf-8")
    for name in (NAME, "a.other"):
        assert add_user(work, name, PASSWORD).returncode == 0
    server = start_server(work, settings='[serve]\nusers = "staff.users"\n')
    yield server
    server.stop()


def signed_in(server, name: str = NAME) -> Client:
    client = Client(server.base)
    client.get("/signin")
    answer = client.post("/signin", {"name": name, "password": PASSWORD})
    assert answer.status == 303 and answer.headers["location"] == "/", answer.text[:300]
    return client


def make(client: Client, **changes: str) -> Client:
    client.get("/")
    return client.post("/make", {"form": "laser-acne-scar", "language": "en", **ADULT, **changes})


# --- starting ------------------------------------------------------------------


def test_another_host_without_tls_or_sign_in_is_refused_naming_both(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "generator", "serve", "--host", "0.0.0.0", "--port", "8799"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert "will not listen on 0.0.0.0" in result.stderr
    assert "TLS: [serve] certificate" in result.stderr and "staff sign-in: [serve] users" in result.stderr
    assert "Traceback" not in result.stderr


def test_another_host_with_sign_in_but_no_tls_is_refused_naming_tls_only(tmp_path):
    (tmp_path / "consent.toml").write_text('[serve]\nusers = "staff.users"\n', encoding="utf-8")
    assert add_user(tmp_path, NAME, PASSWORD).returncode == 0
    result = subprocess.run(
        [sys.executable, "-m", "generator", "serve", "--host", "192.0.2.1"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert "TLS: [serve] certificate" in result.stderr and "staff sign-in" not in result.stderr


def test_add_user_keeps_only_a_hash_readable_by_its_owner(tmp_path):
    (tmp_path / "consent.toml").write_text('[serve]\nusers = "staff.users"\n', encoding="utf-8")
    assert add_user(tmp_path, NAME, PASSWORD).stdout.startswith(f"Added {NAME}")
    users = tmp_path / "staff.users"
    assert stat.S_IMODE(users.stat().st_mode) == 0o600
    assert PASSWORD not in users.read_text() and users.read_text().startswith(f"{NAME}:scrypt$")
    again = add_user(tmp_path, NAME, "another long password")
    assert again.stdout.startswith(f"New password for {NAME}")
    assert len(users.read_text().splitlines()) == 1
    short = add_user(tmp_path, "b.jones", "short")
    assert short.returncode == 1 and "at least 10 characters" in short.stderr
    bad = add_user(tmp_path, "<script>", PASSWORD)
    assert bad.returncode == 1 and "cannot be a sign-in name" in bad.stderr


# --- what every answer carries -------------------------------------------------------


def test_every_page_forbids_caching_framing_and_other_sites_resources(open_desk):
    client = Client(open_desk.base)
    for path in ("/", "/day", "/verify", "/day/progress"):
        answer = client.get(path)
        assert answer.status == 200, path
        assert answer.headers["cache-control"] == "no-store", path
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY and "'unsafe-inline'" not in CONTENT_SECURITY_POLICY


def test_the_session_cookie_is_httponly_strict_and_not_secure_without_tls(open_desk):
    answer = Client(open_desk.base).get("/")
    (cookie,) = answer.cookies
    assert cookie.startswith("consent_session=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "desk.test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("desk.test")]), critical=False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    (tmp_path / "desk.crt").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "desk.key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return tmp_path / "desk.crt", tmp_path / "desk.key"


def test_under_tls_the_cookie_is_secure_and_the_desk_works(tmp_path):
    _self_signed(tmp_path)
    server = start_server(tmp_path, settings='[serve]\ncertificate = "desk.crt"\nkey = "desk.key"\n', scheme="https")
    try:
        context = ssl.create_default_context(cafile=str(tmp_path / "desk.crt"))
        context.check_hostname = False
        client = Client(server.base, context)
        answer = client.get("/")
        assert answer.status == 200
        assert "Secure" in answer.cookies[0] and "HttpOnly" in answer.cookies[0]
        assert answer.headers["strict-transport-security"].startswith("max-age=")
        assert make(client).status == 303
    finally:
        server.stop()


# --- CSRF ----------------------------------------------------------------------------


def test_every_post_without_the_csrf_token_is_refused_and_changes_nothing(open_desk):
    client = Client(open_desk.base)
    client.get("/")
    posts = [route.path for route in ROUTES if "POST" in (getattr(route, "methods", None) or ())]
    assert {
        "/make",
        "/print",
        "/day/upload",
        "/day/make-row",
        "/day/make-all",
        "/verify",
        "/signin",
        "/signout",
    } <= set(posts)
    before = sorted(open_desk.out_dir.rglob("*"))
    for path in posts:
        fields = {"form": "laser-acne-scar", **ADULT}
        for answer in (client.post(path, fields, csrf=False), client.post(path, {**fields, "csrf_token": "x" * 43})):
            assert answer.status == 403, (path, answer.status)
            assert "did not come from this consent page" in answer.text
        # (Sign-in takes no file at all: refused as a bad request before its token is looked at.)
        assert client.upload(path, "appointments", "a.csv", b"form\n", csrf=False).status == (
            400 if path == "/signin" else 403
        )
    assert sorted(open_desk.out_dir.rglob("*")) == before


# --- making a form ---------------------------------------------------------------------


def test_a_form_made_at_the_web_desk_follows_fills_rules(open_desk):
    client = Client(open_desk.base)
    answer = make(client, record_number="00777")
    made = client.follow(answer)
    assert made.status == 200
    target = open_desk.out_dir / "laser-acne-scar_2026-12-01_00777.pdf"
    assert "Saved laser-acne-scar_2026-12-01_00777.pdf." in text_of(made.text, "main")
    assert stat.S_IMODE(target.stat().st_mode) & 0o007 == 0
    assert verify_file(target).intact
    lines = [json.loads(line) for line in (open_desk.out_dir / "consent-audit.jsonl").read_text().splitlines()]
    (line,) = [line for line in lines if line["record_number"] == "00777"]
    assert line["command"] == "serve" and line["file"] == target.name and line["user"]
    # The same details again: the same form is already there, and nothing is written.
    again = client.follow(make(client, record_number="00777"))
    assert "is already there: the same form, byte for byte. Nothing was written." in again.text
    assert len((open_desk.out_dir / "consent-audit.jsonl").read_text().splitlines()) == len(lines)


def test_every_refused_detail_is_shown_beside_its_field_at_once_with_what_was_typed(open_desk):
    client = Client(open_desk.base)
    answer = make(client, date_of_birth="1990-13-07", clinician="", given_name="Ana ✅")
    assert answer.status == 422
    assert "is not a real date" in text_of(answer.text, "date_of_birth-error")
    assert "Clinician is missing" in text_of(answer.text, "clinician-error")
    assert "cannot be printed" in text_of(answer.text, "given_name-error")
    assert 'value="1990-13-07"' in answer.text and 'value="Ana ✅"' in answer.text
    assert 'aria-describedby="date_of_birth-hint date_of_birth-error"' in answer.text
    assert text_of(answer.text, "problems").count("Please fix") == 1
    assert not list(open_desk.out_dir.glob("*1990*"))


def test_patient_details_stay_out_of_titles_urls_and_the_access_log(open_desk):
    client = Client(open_desk.base)
    answer = make(client, given_name="Zuzanna", family_name="Wiśniewska", record_number="00991")
    made = client.follow(answer)
    assert "Zuzanna" in made.text  # the page shows the form ...
    assert re.search(r"<title>([^<]*)</title>", made.text).group(1) == "Form made - consent"  # ... its title does not
    assert "Zuzanna" not in answer.headers["location"] and "00991" not in answer.headers["location"]
    log = open_desk.log
    assert "POST /make" in log  # the access log is on ...
    assert "Zuzanna" not in log and "Wi" not in log.replace("Wiki", "") and "1990-03-07" not in log


def test_a_procedure_date_in_the_past_is_made_only_once_confirmed(open_desk):
    client = Client(open_desk.base)
    refused = make(client, procedure_date="2026-11-20", record_number="00555")
    assert refused.status == 422 and 'name="allow_past_date"' in refused.text
    assert "is in the past" in text_of(refused.text, "procedure_date-error")
    made = client.post(
        "/make",
        {"form": "laser-acne-scar", "language": "en", **ADULT, "procedure_date": "2026-11-20",
         "record_number": "00555", "allow_past_date": "yes"},
    )  # fmt: skip
    assert made.status == 303


# --- who may fetch what -------------------------------------------------------------------


def _made_form_token(client: Client, **changes: str) -> str:
    answer = make(client, **changes)
    return answer.headers["location"].rsplit("/", 1)[1]


def test_without_sign_in_nothing_is_shown_and_no_file_is_reached(staffed):
    maker = signed_in(staffed)
    token = _made_form_token(maker, record_number="00321")
    assert maker.get(f"/files/{token}/download").body.startswith(b"%PDF-")
    stranger = Client(staffed.base)
    assert stranger.get("/").headers["location"] == "/signin"
    assert stranger.get(f"/files/{token}/download").status == 404
    assert stranger.get(f"/files/{token}/page/1.png").status == 404
    # Signed in, but as someone else: the file is still not theirs.
    colleague = signed_in(staffed, "a.other")
    assert colleague.get(f"/files/{token}/download").status == 404
    assert colleague.get(f"/made/{token}").status == 404


def test_the_audit_log_names_who_signed_in(staffed):
    client = signed_in(staffed, "a.other")
    _made_form_token(client, record_number="00654")
    lines = [json.loads(line) for line in (staffed.out_dir / "consent-audit.jsonl").read_text().splitlines()]
    (line,) = [line for line in lines if line["record_number"] == "00654"]
    assert line["user"] == "a.other" and line["command"] == "serve"


def test_sign_in_refuses_wrong_passwords_alike_then_waits(staffed):
    client = Client(staffed.base)
    client.get("/signin")
    wrong = client.post("/signin", {"name": NAME, "password": "not the password"})
    unknown = client.post("/signin", {"name": "nobody", "password": PASSWORD})
    assert wrong.status == unknown.status == 401
    assert text_of(wrong.text, "signin-problem") == text_of(unknown.text, "signin-problem")
    for _ in range(4):
        client.post("/signin", {"name": "nobody", "password": "x"})
    assert client.post("/signin", {"name": "nobody", "password": PASSWORD}).status == 429


def test_signing_in_gives_a_new_session_id(staffed):
    client = Client(staffed.base)
    before = client.get("/signin").cookies[0].split(";")[0]
    after = client.post("/signin", {"name": NAME, "password": PASSWORD}).cookies[0].split(";")[0]
    assert before != after


# --- uploads -------------------------------------------------------------------------------


def _headers_only(base: str, headers: str) -> str:
    """What the server answers to a POST's headers, before any of its body is sent."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as connection:
        connection.sendall(f"POST /day/upload HTTP/1.1\r\nHost: {host}\r\n{headers}\r\n\r\n".encode())
        connection.settimeout(10)
        received = b""
        while b"\r\n\r\n" not in received or not received.rstrip().endswith((b".", b"length.")):
            chunk = connection.recv(65536)
            if not chunk:
                break
            received += chunk
    return received.decode()


def test_uploads_are_limited_in_size_and_type(open_desk):
    client = Client(open_desk.base)
    client.get("/day")
    # Refused from its headers, before a byte of it is read: too long, or of no stated length.
    too_long = _headers_only(
        open_desk.base, f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {11 << 20}"
    )
    assert too_long.startswith("HTTP/1.1 413") and "larger than 10 MB" in too_long
    unstated = _headers_only(open_desk.base, "Content-Type: text/plain\r\nTransfer-Encoding: chunked")
    assert unstated.startswith("HTTP/1.1 411") and "must say its length" in unstated
    text = client.upload("/day/upload", "appointments", "list.txt", b"form\n")
    assert text.status == 422 and "must be a .csv or .xlsx file" in text.text
    disguised = client.upload("/day/upload", "appointments", "list.xlsx", b"form,given_name\n")
    assert disguised.status == 422 and "does not hold a XLSX list" in disguised.text
    client.get("/verify")
    not_pdf = client.upload("/verify", "pdf", "form.pdf", b"hello")
    assert "NOT CHECKED - it is not a PDF file." in not_pdf.text


def test_verify_gives_the_same_report_as_the_command(open_desk, run_cli, tmp_path):
    client = Client(open_desk.base)
    token = _made_form_token(client, record_number="00888")
    pdf = client.get(f"/files/{token}/download").body
    (tmp_path / "form.pdf").write_bytes(pdf)
    command = run_cli("verify", "form.pdf")
    client.get("/verify")
    page = client.upload("/verify", "pdf", "form.pdf", pdf)
    assert text_of(page.text, "report") == " ".join(command.output.split())
    assert "Result: intact" in page.text
    # The record number written over in the file's own bytes (same length).
    changed = pdf.replace(b"00888", b"00889")
    assert changed != pdf
    report = client.upload("/verify", "pdf", "form.pdf", changed).text
    assert "Result: intact" not in report and "Result: " in report


# --- today's list ----------------------------------------------------------------------------

DAY_LIST = (
    "form,given_name,family_name,date_of_birth,record_number,procedure_date,clinician\n"
    "laser-acne-scar,Ana,Ruiz,1990-03-07,00123,2026-12-01,Dr Lee\n"
    "laser-acne-scar,Ben,Okafor,1990-13-45,00124,2026-12-01,Dr Lee\n"
    "laser-acne-scar,Chloé,Martin,1985-06-30,00125,2026-12-01,Dr Lee\n"
)


def _row_state(page: str, number: int) -> str:
    return text_of(page, f"row-{number}") or ""


def test_a_day_list_shows_each_row_then_makes_one_row_and_then_the_rest(staffed):
    import time

    client = signed_in(staffed)
    client.get("/day")
    uploaded = client.upload("/day/upload", "appointments", "tomorrow.csv", DAY_LIST.encode())
    page = client.follow(uploaded).text
    assert "Ready" in _row_state(page, 2) and "Ready" in _row_state(page, 4)
    assert "Refused" in _row_state(page, 3) and "is not a real date" in _row_state(page, 3)
    assert client.post("/day/make-row", {"row": "2"}).status == 303
    page = client.get("/day").text
    assert "Already made" in _row_state(page, 2) and "Ready" in _row_state(page, 4)
    assert client.post("/day/make-all", {}).status == 303
    deadline = time.monotonic() + 120
    while json.loads(client.get("/day/progress").body)["running"]:
        assert time.monotonic() < deadline, "the list did not finish in 120 s"
        time.sleep(0.2)
    progress = json.loads(client.get("/day/progress").body)
    assert progress == {"running": False, "done": 2, "total": 2}
    page = client.get("/day").text
    assert "Already made" in _row_state(page, 4) and "Refused" in _row_state(page, 3)
    bundle = re.search(r'href="(/files/[^"]+/download)"[^>]*>Download print-bundle.pdf', page).group(1)
    errors = re.search(r'href="(/files/[^"]+/download)"[^>]*>Download errors.csv', page).group(1)
    assert client.get(bundle).body.startswith(b"%PDF-")
    assert "is not a real date" in client.get(errors).text
    # Everything this list made is logged under the member of staff signed in.
    lines = [json.loads(line) for line in (staffed.out_dir / "consent-audit.jsonl").read_text().splitlines()]
    made = [line for line in lines if line["record_number"] in ("00123", "00125") and line["user"] == NAME]
    assert {line["record_number"] for line in made} == {"00123", "00125"}
    assert all(line["command"] == "serve" for line in made)
    # Another browser cannot reach the bundle.
    assert Client(staffed.base).get(bundle).status == 404


# --- hostile input --------------------------------------------------------------------------


def test_markup_and_template_syntax_in_details_are_shown_as_typed_never_run(open_desk):
    client = Client(open_desk.base)
    answer = make(client, given_name="<script>alert(1)</script>", family_name="{{ 7*7 }} & O'Brien", clinician="")
    assert answer.status == 422
    assert "<script>alert(1)</script>" not in answer.text
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in answer.text
    # Digits are refused in a name, so the template syntax here has none.
    made = client.follow(make(client, given_name="Smith <Jr>", family_name="{{ x }} & O'Brien", record_number="00444"))
    assert "Smith &lt;Jr&gt;" in made.text and "{{ x }} &amp; O&#39;Brien" in made.text


def test_a_list_and_an_upload_name_with_markup_are_shown_as_text(open_desk):
    client = Client(open_desk.base)
    client.get("/day")
    listed = DAY_LIST.replace("Chloé", "<img src=x onerror=alert(1)>")
    page = client.follow(client.upload("/day/upload", "appointments", "<i>day.csv", listed.encode())).text
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<i>day" not in page and "&lt;i&gt;day.csv" in page


def test_an_unknown_page_and_a_refused_post_answer_with_a_page_and_the_way_back(open_desk):
    client = Client(open_desk.base)
    missing = client.get("/no-such-page")
    assert missing.status == 404 and "There is no such page" in missing.text and 'href="/"' in missing.text
    client.get("/")
    refused = client.post("/make", {}, csrf=False)
    assert refused.status == 403 and "<h1>Not sent</h1>" in refused.text
    assert refused.headers["cache-control"] == "no-store"


# --- what a first trial at the desk asked for ------------------------------------------------


def test_staff_changes_count_at_once_without_a_restart(staffed):
    work = staffed.out_dir.parent
    assert add_user(work, "c.new", PASSWORD).returncode == 0
    newcomer = signed_in(staffed, "c.new")  # added while the server runs
    assert newcomer.get("/").status == 200
    removed = subprocess.run(
        [sys.executable, "-m", "generator", "--config", str(work / "consent.toml"), "serve", "remove-user", "c.new"],
        capture_output=True, text=True, cwd=work,
    )  # fmt: skip
    assert removed.returncode == 0, removed.stderr
    # Signed out at the next click, and cannot sign in again.
    assert newcomer.get("/").headers["location"] == "/signin"
    again = Client(staffed.base)
    again.get("/signin")
    assert again.post("/signin", {"name": "c.new", "password": PASSWORD}).status == 401


def test_a_windows_list_is_read_with_the_encoding_chosen_and_a_pdf_is_refused_and_not_kept(open_desk):
    client = Client(open_desk.base)
    client.get("/day")
    windows = DAY_LIST.encode("cp1252")
    refused = client.upload("/day/upload", "appointments", "Tuesday.csv", windows)
    assert refused.status == 422
    message = text_of(refused.text, "main")
    assert "Tuesday.csv line 4 is not valid UTF-8 text" in message and "--encoding" not in message
    assert 'choose "Windows, Western (cp1252: Excel on Windows)" as the text encoding' in message
    # A refused list is not kept (its folder is named from its bytes' hash).
    assert not (open_desk.out_dir / "day-lists" / f"2026-11-24-{hashlib.sha256(windows).hexdigest()[:12]}").exists()
    client.get("/day")
    boundary = "b0undary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{client.csrf}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="encoding"\r\n\r\ncp1252\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="appointments"; filename="Tuesday.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + windows
        + f"\r\n--{boundary}--\r\n".encode()
    )
    read = client.request("/day/upload", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert "Chloé Martin" in client.follow(read).text
    client.get("/day")
    pdf = client.upload("/day/upload", "appointments", "list.csv", b"%PDF-1.7\n...")
    assert pdf.status == 422 and "This file is a PDF, not an appointment list" in pdf.text


def test_a_printer_problem_names_the_file_not_the_servers_folder_nor_an_option(tmp_path):
    server = start_server(tmp_path, settings='[serve]\nprinter = "no-such-printer"\n')
    try:
        client = Client(server.base)
        token = _made_form_token(client)
        client.get(f"/made/{token}")
        page = client.follow(client.post("/print", {"token": token, "copies": "1"})).text
        problem = text_of(page, "main")
        assert "laser-acne-scar_2026-12-01_00123.pdf" in problem and "could not be" in problem
        assert str(server.out_dir) not in problem and "--printer" not in problem
        assert (server.out_dir / "laser-acne-scar_2026-12-01_00123.pdf").is_file()  # the form is kept
    finally:
        server.stop()


def test_the_next_patient_keeps_the_form_the_date_and_the_clinician(open_desk):
    client = Client(open_desk.base)
    client.follow(make(client, record_number="00312", clinician="Dr Okafor", procedure_date="2026-12-03"))
    page = client.get("/").text
    assert 'id="clinician" name="clinician" value="Dr Okafor"' in page
    assert 'id="procedure_date" name="procedure_date" value="2026-12-03"' in page
    assert 'id="given_name" name="given_name" value=""' in page


# --- what an attack on the desk tried -----------------------------------------------------------


def test_a_body_hidden_behind_chunked_encoding_is_refused_from_its_headers(open_desk):
    # Refused before the body is read: by the desk (411), or already by the HTTP parser (400).
    for headers in (
        "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 5\r\nTransfer-Encoding: chunked",
        "Content-Type: multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked",
        "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: +5",
    ):
        answer = _headers_only(open_desk.base, headers)
        assert answer.startswith(("HTTP/1.1 411", "HTTP/1.1 400")), answer[:200]
    only_chunked = "Content-Type: multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked"
    assert _headers_only(open_desk.base, only_chunked).startswith("HTTP/1.1 411")


def test_a_flood_of_first_visits_does_not_sign_anyone_out(staffed):
    client = signed_in(staffed)
    assert client.get("/").status == 200
    for _ in range(1100):
        Client(staffed.base).get("/signin")
    assert client.get("/").status == 200


def test_wrong_passwords_from_another_computer_do_not_lock_out_staff_at_their_own(staffed):
    stranger = Client(staffed.base, source="127.0.0.2")
    stranger.get("/signin")
    for _ in range(6):
        stranger.post("/signin", {"name": "a.other", "password": "guessing wrong"})
    assert stranger.post("/signin", {"name": "a.other", "password": PASSWORD}).status == 429
    assert signed_in(staffed, "a.other").get("/").status == 200  # from 127.0.0.1


def test_another_host_name_or_another_sites_page_is_refused(open_desk):
    client = Client(open_desk.base)
    assert client.get("/").status == 200
    rebound = client.request("/", headers={"Host": "rebind.attacker.example"})
    assert rebound.status == 400 and "answers only to its own address" in rebound.text
    cross = client.request("/files/x/download", headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"})
    assert cross.status == 403
    followed = client.request("/", headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"})
    assert followed.status == 200  # someone following a link to the desk
    posted = client.post("/make", {"form": "laser-acne-scar", **ADULT}, csrf=True)
    assert posted.status == 303
    foreign = client.request(
        "/make",
        urllib.parse.urlencode({"csrf_token": client.csrf, "form": "laser-acne-scar", **ADULT}).encode(),
        {"Content-Type": "application/x-www-form-urlencoded", "Origin": "http://attacker.example"},
    )
    assert foreign.status == 403 and "another site" in foreign.text


def test_odd_digits_in_a_number_are_refused_not_an_error(open_desk):
    client = Client(open_desk.base)
    token = _made_form_token(client, record_number="00313")
    client.get(f"/made/{token}")
    page = client.follow(client.post("/print", {"token": token, "copies": "²"}))
    assert "Copies must be a number from 1 to 99." in page.text
    client.get("/day")
    assert client.post("/day/make-row", {"row": "²"}).status == 303
    assert "Traceback" not in open_desk.log


def test_with_a_clinic_seal_forms_are_sealed_and_verify_trusts_the_seal(tmp_path):
    env = {"CONSENT_SEAL_PASSWORD": "seal password 123"}
    made = subprocess.run(
        [sys.executable, "-m", "generator", "seal", "new-key", "--name", "Riverside Skin Clinic", "-o", "seal.p12"],
        capture_output=True, text=True, cwd=tmp_path, env={**os.environ, **env},
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    server = start_server(tmp_path, settings='[seal]\nkey = "seal.p12"\n', env=env)
    try:
        client = Client(server.base)
        token = _made_form_token(client)
        assert ", sealed." in client.get(f"/made/{token}").text
        pdf = client.get(f"/files/{token}/download").body
        client.get("/verify")
        report = client.upload("/verify", "pdf", "form.pdf", pdf).text
        assert "trusting the clinic's own seal" in report
        assert "Result: intact" in report and "trusted certificate" in report
    finally:
        server.stop()
