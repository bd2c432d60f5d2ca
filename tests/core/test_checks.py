from comptoir.core.checks import check_payment_providers


def test_the_configured_payment_providers_load(settings):
    assert check_payment_providers(None) == []


def test_a_provider_that_cannot_be_loaded_is_reported(settings):
    settings.COMPTOIR_PAYMENT_PROVIDERS = {
        "card": {"class": "comptoir.payments.providers.nowhere.Card"},
        "odd": {"class": "comptoir.payments.models.Payment"},
    }

    problems = check_payment_providers(None)

    assert [p.id for p in problems] == ["comptoir.E005", "comptoir.E005"]
    assert "'card' cannot be loaded" in problems[0].msg
    assert "'odd' is not a PaymentProvider" in problems[1].msg


def test_a_shop_must_offer_a_way_to_pay(settings):
    settings.COMPTOIR_PAYMENT_PROVIDERS = {}

    assert [p.id for p in check_payment_providers(None)] == ["comptoir.W002"]
