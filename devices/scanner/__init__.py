"""Barcode and QR scanners: camera frames through pyzbar + OpenCV, serial and wedge scanners.

- :mod:`.decode`: ``decode_frame(frame)``, zbar behind a ladder of image preparations.
- :mod:`.linear`: model-based decoding of blurred CODE128 / EAN13 bar profiles.
- :mod:`.regions`: where codes are in a frame and which way their bars run.
- :mod:`.text`: payload bytes to text (UTF-8, GBK, Big5) and repair of zbar's guesses.
- :mod:`.zbar`: a reusable, binary-mode zbar scanner per thread.
- :mod:`.camera` / :mod:`.sources`: ``CameraScanner`` on a camera, video file or folder.
- :mod:`.serial_scanner`: ``SerialScanner`` (pyserial) and ``WedgeScanner`` (stdin lines).
- :mod:`.serial_sim`: ``SerialScannerSim``, a serial hand scanner on a pseudo-terminal.
- :mod:`.cli`: ``hall device scan``.

Classification of payloads (ID number, case number, ...) lives in :mod:`hall.codes`.
Importing this package is cheap; OpenCV and zbar load with the submodules.
"""
