"""A simulated card payment service provider, for the demo and the tests.

It behaves like a real PSP and knows nothing of Comptoir's orders: an API creates payment
intents, a hosted page takes the card (card data never reach the order code), test cards
succeed, are declined or ask for a 3-D Secure challenge, and signed webhooks are sent
asynchronously by a background task over HTTP.

Test cards (any future expiry date, any CVC):
  4242 4242 4242 4242  succeeds
  4000 0000 0000 3220  asks for a 3-D Secure challenge
  4000 0000 0000 0002  is declined
  4000 0000 0000 9995  is declined: insufficient funds
Any other valid number succeeds. Cards are issued in France unless listed in
api.CARD_COUNTRIES (4000 0082 6000 0000 is British) or COMPTOIR_SANDBOX_CARD_COUNTRIES.
Events carry a card fingerprint (a keyed hash of the number), the card's country and the
3-D Secure outcome with its liability shift.
"""
