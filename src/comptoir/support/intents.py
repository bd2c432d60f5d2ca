"""What a customer is asking, by explainable rules: each intent has named patterns in
French and English; the first intent (in the order below) with a matching rule wins, and
the ticket keeps the rule's name and the words it matched, so the merchant sees why.

The order matters: "cancel my order" also contains "my order", so the specific intents
(cancellation, return, invoice, delay) are tried before the general "where is my order".
Accents are folded first, so "où" and "ou", "reçu" and "recu" match alike.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Intent(models.TextChoices):
    CANCELLATION = "cancellation", _("Cancellation")
    RETURN = "return", _("Return")
    INVOICE = "invoice", _("Invoice")
    DELAY = "delay", _("Delay")
    ORDER_STATUS = "order_status", _("Where is my order")


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]


def rule(name: str, pattern: str) -> Rule:
    return Rule(name, re.compile(pattern, re.IGNORECASE))


RULES: dict[str, list[Rule]] = {
    Intent.CANCELLATION: [
        rule("fr.annuler", r"\b(annul\w*|je ne veux plus (ma|la|cette) commande)"),
        rule("fr.retracter", r"\bretract\w*"),
        rule("en.cancel", r"\bcancel\w*"),
        rule("en.dont_want", r"\bno longer want\b|\bdon'?t want (it|the order) anymore\b"),
    ],
    Intent.RETURN: [
        rule("fr.retour", r"\b(retour\w*|retourner|renvoyer|rembours\w*|echanger|echange)\b"),
        rule("fr.abime", r"\b(abime\w*|casse\w*|defectueu\w*|mauvaise taille)\b"),
        rule("en.return", r"\b(return\w*|send (it|them) back|refund\w*|exchange)\b"),
        rule("en.damaged", r"\b(damaged|broken|faulty|wrong size)\b"),
    ],
    Intent.INVOICE: [
        rule("fr.facture", r"\b(factur\w*|justificatif|recu de paiement)\b"),
        rule("en.invoice", r"\b(invoices?|receipts?|vat bill)\b"),
    ],
    Intent.DELAY: [
        rule("fr.retard", r"\b(retard\w*|toujours pas (recu|arrive\w*|livre\w*)|trop long)\b"),
        rule("fr.pas_recu", r"\b(pas|jamais) (encore )?(recu|arrive\w*|livre\w*)\b"),
        rule("en.late", r"\b(late|delay\w*|taking (so|too) long|overdue)\b"),
        rule(
            "en.not_received", r"\b(not|never|still not|haven'?t) (yet )?(received|arrived|got)\b"
        ),
    ],
    Intent.ORDER_STATUS: [
        rule("fr.ou_est", r"\bou (en )?est (ma|mon|la|le) (commande|colis)\b"),
        rule(
            "fr.suivi", r"\b(suivi|suivre|statut|etat) (de )?(ma |mon |la |le )?(commande|colis)\b"
        ),
        rule("fr.expedie", r"\b(quand|est-ce que) .{0,40}(expedi\w*|envoy\w*|livr\w*)\b"),
        rule("en.where", r"\bwhere('?s| is) my (order|parcel|package)\b"),
        rule("en.status", r"\b(order status|status of my order|track\w*)\b"),
        rule("en.shipped", r"\b(when|has) .{0,40}(ship\w*|dispatch\w*|deliver\w*)\b"),
    ],
}


@dataclass(frozen=True)
class Recognised:
    intent: str
    rule: str
    matched: str


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return folded.replace("\u2019", "'").lower()


def recognise(text: str) -> Recognised | None:
    """The intent of ``text`` and the rule that says so, or None."""
    folded = fold(text)
    for intent, rules in RULES.items():
        for candidate in rules:
            found = candidate.pattern.search(folded)
            if found:
                return Recognised(str(intent), f"{intent}:{candidate.name}", found.group(0)[:120])
    return None
