"""People's data stays theirs: which columns are personal, and stable pseudonyms for email ids.

A partnership can list its people (`sim.scenario.Person`: id, organisation, role
and optional attributes). Two rules keep what identifies them out of every
output (results, provenance, logs, exported networks, the report):

- **Personal columns are never read.** A column of a people sheet whose name says
  it holds a name, an email address, a phone number or an address
  (`PERSONAL_COLUMNS`), or any attribute column with an email address in it, is
  dropped when the sheet is read; what is never loaded cannot be written.
- **Ids that are email addresses are pseudonymised in outputs.** The model works
  with a person's id as given (a network survey and a cohort file name people by
  it), but every output shows `pseudonym(id)` instead: ``person-`` and 12 hex
  digits of HMAC-SHA256 of the lower-cased address, keyed with a salt kept with
  the user's data (`SALT_FILE` in the folder of the partnership's file, made
  once from the operating system's random source and never written anywhere
  else), so the same person gets the same pseudonym in every run and no one can
  recover the address from it without the salt. The mapping is written only
  where the user asks for it (`pseudonym_map=path`, `write_pseudonym_map`).
  A pseudonym is accepted wherever an id is (a cohort file made from a run's
  `cohort.csv`, for instance).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from pathlib import Path

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
"""What an email address looks like (enough to tell one from an id)."""

PERSONAL_COLUMNS = frozenset({
    "name", "names", "full_name", "fullname", "first_name", "firstname", "forename", "given_name",
    "last_name", "lastname", "surname", "family_name", "preferred_name", "display_name", "title",
    "email", "e_mail", "email_address", "mail", "work_email", "phone", "telephone", "mobile", "tel",
    "address", "postcode", "post_code", "date_of_birth", "dob", "birthday", "nhs_number", "staff_number",
    "employee_number", "linkedin",
})
"""Column names (lower case, spaces and hyphens as underscores) that hold personal data."""

SALT_FILE = ".collabsim_salt"
"""The salt's file, in the folder of the partnership's file (or the working folder)."""

PSEUDONYM_PREFIX = "person-"


def column_key(name: object) -> str:
    """A column name as compared: lower case, stripped, spaces and hyphens as underscores."""
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def is_personal_column(name: object) -> bool:
    return column_key(name) in PERSONAL_COLUMNS


def is_email(text: object) -> bool:
    return isinstance(text, str) and bool(EMAIL.match(text.strip()))


def salt_for(folder: str | Path | None) -> str:
    """The salt kept in `folder` (made there once if missing): 32 hex digits."""
    path = Path(folder or ".") / SALT_FILE
    try:
        text = path.read_text(encoding="utf-8").strip()
        if re.fullmatch(r"[0-9a-f]{32,}", text):
            return text
    except OSError:
        pass
    salt = os.urandom(16).hex()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(salt + "\n")
    except FileExistsError:  # made meanwhile by another process: use that one
        return path.read_text(encoding="utf-8").strip()
    return salt


def pseudonym(label: str, salt: str) -> str:
    """The stable pseudonym of an email id (any other id is returned as it is)."""
    if not is_email(label):
        return label
    digest = hmac.new(salt.encode(), label.strip().lower().encode(), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:12]


def write_pseudonym_map(partnership, path: str | Path) -> Path:
    """Write the id -> pseudonym mapping of a partnership's email ids (CSV) where the user asks."""
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["id", "pseudonym"])
    for label in partnership.person_labels:
        if is_email(label):
            writer.writerow([label, partnership.public_label(label)])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


__all__ = ["EMAIL", "PERSONAL_COLUMNS", "SALT_FILE", "column_key", "is_personal_column", "is_email", "salt_for",
           "pseudonym", "write_pseudonym_map"]
