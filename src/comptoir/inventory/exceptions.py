from comptoir.core.exceptions import ComptoirError


class OutOfStock(ComptoirError):
    """Not enough stock for a line; ``available`` says how many can still be had."""

    def __init__(self, message: str, *, sku: str, available: int) -> None:
        super().__init__(message)
        self.sku = sku
        self.available = available
