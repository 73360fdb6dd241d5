"""Key rotation: `wangge data_keys rotate` re-encrypts every encrypted column (cases' reporters,
the registry's ID numbers and phones) under the first key, after which the old key can go."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from tests.cases.loop_helpers import RESIDENT, file_case
from tests.people.helpers import id_number, person_in
from wangge.cases.models import Case
from wangge.core.crypto import DecryptionFailed, new_data_key
from wangge.people.models import Person

pytestmark = pytest.mark.django_db


def stored(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_rotation_re_encrypts_everything_so_the_old_key_can_be_removed(cast, settings):
    old, new = settings.DATA_KEYS[0], new_data_key()
    number = id_number()
    person = person_in(cast.tree.grid_a, document_number=number, phone="13800138000")
    case = file_case(RESIDENT)
    before = stored("people_person", "document_number", person.pk)

    settings.DATA_KEYS = [new, old]
    out = StringIO()
    call_command("data_keys", "rotate", stdout=out)
    # The person's ID number and phone, the case reporter's name and phone.
    assert "Re-encrypted 4 values" in out.getvalue()
    assert stored("people_person", "document_number", person.pk) != before

    settings.DATA_KEYS = [new]  # the old key is gone: everything still reads
    person = Person.objects.get(pk=person.pk)
    assert (person.document_number, person.phone) == (number, "13800138000")
    assert Case.objects.get(pk=case.pk).reporter_phone == RESIDENT.phone


def test_without_rotation_removing_the_old_key_loses_the_values(cast, settings):
    person = person_in(cast.tree.grid_a)
    settings.DATA_KEYS = [new_data_key()]
    with pytest.raises(DecryptionFailed):
        Person.objects.get(pk=person.pk)
