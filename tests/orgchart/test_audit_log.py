"""The org-chart change log is append-only: in the model, the queryset and the database."""

import pytest
from django.db import DatabaseError, connection, transaction

from orgchart.models import OrgChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def change(demo, user_of):
    return OrgChange.objects.create(
        actor=user_of("office"),
        action="update",
        model="orgchart.Unit",
        object_id="1",
        object_repr="市公安局",
        changes={"duty_phone": ["", "110"]},
    )


def test_bulk_update_and_delete_are_refused(change):
    with pytest.raises(PermissionError):
        OrgChange.objects.filter(pk=change.pk).update(summary="改写")
    with pytest.raises(PermissionError):
        OrgChange.objects.filter(pk=change.pk).delete()
    with pytest.raises(PermissionError):
        change.delete()


def test_database_refuses_raw_update_and_delete(change):
    for sql in (
        "UPDATE orgchart_orgchange SET summary = 'x' WHERE id = %s",
        "DELETE FROM orgchart_orgchange WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(sql, [change.pk])
    assert OrgChange.objects.get(pk=change.pk).summary == ""
