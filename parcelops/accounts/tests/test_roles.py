"""The permission matrix of parcelops.accounts.roles, applied to Django groups."""

import pytest
from django.contrib.auth.models import Group, Permission, User

from parcelops.accounts import roles
from parcelops.accounts.actions import roles_of, set_staff_roles, sync_role_groups
from parcelops.accounts.models import StaffProfile
from parcelops.audit.models import AuditRecord

pytestmark = pytest.mark.django_db

EVERY_PERMISSION = sorted(set().union(*roles.ROLE_PERMISSIONS.values()))


def group_permissions(role: str) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=role).permissions.select_related("content_type")
    }


def test_every_role_has_a_label_and_a_row_in_the_matrix():
    assert set(roles.ROLE_PERMISSIONS) == set(roles.ROLES) == set(roles.ROLE_LABELS)


@pytest.mark.parametrize("permission", EVERY_PERMISSION)
def test_every_permission_of_the_matrix_exists(permission):
    app_label, codename = permission.split(".")

    assert Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists()


@pytest.mark.parametrize("role", roles.ROLES)
def test_after_migrating_each_role_group_holds_exactly_its_permissions(role):
    assert group_permissions(role) == roles.ROLE_PERMISSIONS[role]


def test_syncing_again_removes_permissions_added_by_hand():
    group = Group.objects.get(name=roles.ANALYST)
    group.permissions.add(Permission.objects.get(codename="delete_order"))

    sync_role_groups()
    sync_role_groups()

    assert group_permissions(roles.ANALYST) == roles.ROLE_PERMISSIONS[roles.ANALYST]
    assert Group.objects.filter(name__in=roles.ROLES).count() == len(roles.ROLES)


@pytest.mark.parametrize("role", roles.ROLES)
def test_a_member_of_a_role_has_exactly_its_permissions(make_staff, role):
    user = make_staff(f"member-{role}", role)

    for permission in EVERY_PERMISSION:
        assert user.has_perm(permission) is (permission in roles.ROLE_PERMISSIONS[role]), permission


def test_a_person_with_two_roles_has_the_permissions_of_both(make_staff):
    user = make_staff("both", roles.ORDER_PROCESSOR, roles.ORDER_REVIEWER)

    assert user.has_perm(roles.PROCESS_ORDER)
    assert user.has_perm(roles.REVIEW_ORDER)
    assert not user.has_perm(roles.DELETE_ORDER)


def test_setting_roles_replaces_them_creates_a_profile_and_is_audited(make_staff):
    admin = make_staff("boss", roles.ADMIN)
    user = User.objects.create_user("newcomer")
    set_staff_roles(user, [roles.CS_AGENT], actor=admin)

    set_staff_roles(user, [roles.ORDER_PROCESSOR, roles.ORDER_REVIEWER], actor=admin)

    assert roles_of(user) == [roles.ORDER_PROCESSOR, roles.ORDER_REVIEWER]
    assert StaffProfile.objects.get(user=user).skills == []  # made by the first call
    record = AuditRecord.objects.filter(action="staff.roles_changed").last()
    assert record is not None
    assert (record.actor_label, record.object_id) == ("boss", str(user.pk))


def test_a_new_processor_gets_the_default_skills(db):
    user = User.objects.create_user("newcomer")

    set_staff_roles(user, [roles.ORDER_PROCESSOR])

    assert StaffProfile.objects.get(user=user).skills == ["large", "normal", "special"]


def test_an_unknown_role_is_refused_and_nothing_changes(make_staff):
    user = make_staff("someone", roles.ANALYST)

    with pytest.raises(ValueError, match="unknown role"):
        set_staff_roles(user, [roles.ADMIN, "superhero"])

    assert roles_of(user) == [roles.ANALYST]


@pytest.mark.parametrize(
    ("language", "label"),
    [("en", "Order reviewer"), ("en-gb", "Order reviewer"), ("zh-hans", "订单审核员")],
)
def test_a_role_is_labelled_in_the_viewers_language(language, label):
    assert roles.role_label(roles.ORDER_REVIEWER, language) == label
    assert roles.role_label("unknown", language) == "unknown"
