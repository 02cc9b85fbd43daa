from django.contrib.auth.models import AnonymousUser, User
from django.template import Context, Template

from parcelops.accounts.models import StaffProfile
from parcelops.accounts.presentation import display_name


def test_it_shows_nobody_as_an_empty_name() -> None:
    assert display_name(None) == ""
    assert display_name(AnonymousUser()) == ""


def test_it_prefers_the_profile_display_name(db: None) -> None:
    user = User.objects.create_user("order_processor_3", first_name="Wei", last_name="Li")
    StaffProfile.objects.create(user=user, display_name="李伟")
    assert display_name(User.objects.get(pk=user.pk)) == "李伟"


def test_it_falls_back_to_the_full_name_then_the_username(db: None) -> None:
    named = User.objects.create_user("order_processor_3", first_name="Wei", last_name="Li")
    StaffProfile.objects.create(user=named, display_name="")
    bare = User.objects.create_user("order_processor_4")
    assert display_name(named) == "Wei Li"
    assert display_name(bare) == "order_processor_4"


def test_the_template_filter_renders_the_same_name(db: None) -> None:
    user = User.objects.create_user("reviewer_1", first_name="Fang", last_name="Wang")
    rendered = Template("{% load account_tags %}{{ user|display_name }}").render(
        Context({"user": user})
    )
    assert rendered == "Fang Wang"
