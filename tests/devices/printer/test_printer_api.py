import devices.printer as printer_package


def test_public_names_resolve() -> None:
    for name in printer_package.__all__:
        assert getattr(printer_package, name) is not None, name
    assert issubclass(printer_package.PaperOut, printer_package.PrinterFault)
