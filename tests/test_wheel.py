"""The built wheel carries its forms and fonts and works from any folder."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import as_options, full_text
from tests.signing import make_signer, sign

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel_path,) = out.glob("consent-*.whl")
    return wheel_path


def test_the_wheel_contains_the_forms_and_fonts_with_their_licence(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "generator/forms/laser-acne-scar/form.toml",
        "generator/forms/laser-acne-scar/en/content.toml",
        "generator/forms/laser-acne-scar/en/body.md.j2",
        "generator/fonts/DejaVuSans.ttf",
        "generator/fonts/DejaVuSans-Bold.ttf",
        "generator/fonts/LICENSE-DejaVu.txt",
    ):
        assert expected in names


def test_the_wheel_requires_what_checks_signatures(wheel):
    """`pip install .` must bring pyHanko: a default install checks signatures."""
    (metadata,) = [name for name in zipfile.ZipFile(wheel).namelist() if name.endswith(".dist-info/METADATA")]
    requirements = [
        line.split(":", 1)[1].strip().lower()
        for line in zipfile.ZipFile(wheel).read(metadata).decode().splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    ]
    assert any(requirement.startswith("pyhanko") for requirement in requirements), requirements
    assert any(requirement.startswith("pyhanko-certvalidator") for requirement in requirements), requirements


def test_installed_consent_fills_a_form_from_another_folder(wheel, tmp_path, fields):
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    # The dependencies come from the environment running the tests (a venv
    # itself, when set up as the README says), listed after the new venv's
    # own site-packages: only consent is installed, from the wheel.
    inner = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    outer = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(inner) / "test-dependencies.pth").write_text("\n".join(sorted(outer)) + "\n")
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    elsewhere = tmp_path / "front-desk"
    elsewhere.mkdir()
    consent = environment / "bin" / "consent"
    listed = subprocess.run([str(consent), "forms"], cwd=elsewhere, capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    assert "laser-acne-scar" in listed.stdout
    filled = subprocess.run(
        [str(consent), "fill", "laser-acne-scar", *as_options(fields)],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert filled.returncode == 0, filled.stderr
    (pdf,) = elsewhere.glob("*.pdf")
    assert "Ana Ruiz" in full_text(pdf)
    # It really ran the installed copy, not the source checkout.
    where = subprocess.run(
        [str(python), "-c", "import generator, sys; print(generator.__file__)"],
        cwd=elsewhere, capture_output=True, text=True,
    )  # fmt: skip
    assert str(environment) in where.stdout
    # The installed copy finds a signed form whose signed bytes were changed.
    signer, _ = make_signer("Tablet")
    signed = sign(pdf.read_bytes(), "patient_signature", signer)
    at = signed.index(b"Laser acne scar treatment")
    (elsewhere / "tampered.pdf").write_bytes(signed[:at] + b"l" + signed[at + 1 :])
    checked = subprocess.run([str(consent), "verify", "tampered.pdf"], cwd=elsewhere, capture_output=True, text=True)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "SIGNED, BROKEN: the signed content was changed after signing." in checked.stdout
    assert "Result:       CHANGED" in checked.stdout
