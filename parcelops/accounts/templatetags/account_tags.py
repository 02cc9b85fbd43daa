"""Template filters for showing staff: `{% load account_tags %}{{ user|display_name }}`."""

from django import template
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

from parcelops.accounts import presentation

register = template.Library()


@register.filter
def display_name(user: AbstractBaseUser | AnonymousUser | None) -> str:
    return presentation.display_name(user)
