"""The parts of a postal address, as Depot names them and in its order: the keys of
every `address` object the API reads or writes, whoever's address it is (a company,
a person, a user)."""

ADDRESS_KEYS = ("line1", "line2", "line3", "city", "district", "country", "postcode")
