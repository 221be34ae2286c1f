"""Cases (辦件): case rules, deadlines and the ``hall case`` command; the writer comes later."""
