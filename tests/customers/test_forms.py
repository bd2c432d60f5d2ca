from django.forms.renderers import DjangoTemplates

from comptoir.customers.forms import ClaimAccountForm


def _fields(form: ClaimAccountForm) -> list[str]:
    # Django's templates leave blank lines between the parts; a browser ignores them.
    return [
        "\n".join(line for line in str(field.as_field_group()).splitlines() if line.strip())
        for field in form
    ]


def test_claim_form_markup_is_djangos_own():
    # given the form as the order page shows it, and after a refused post
    blank = ClaimAccountForm(email="guest@example.com")
    refused = ClaimAccountForm({"password1": "abc", "password2": "abd"}, email="guest@example.com")
    assert not refused.is_valid()

    # when each is rendered by the light renderer and by Django's templates
    plain = DjangoTemplates()
    django_blank = ClaimAccountForm(email="guest@example.com", renderer=plain)
    django_refused = ClaimAccountForm(
        {"password1": "abc", "password2": "abd"}, email="guest@example.com", renderer=plain
    )
    assert not django_refused.is_valid()

    # then the markup is the same, attribute for attribute
    assert _fields(blank) == _fields(django_blank)
    assert _fields(refused) == _fields(django_refused)
    assert 'aria-invalid="true"' in "".join(_fields(refused))
