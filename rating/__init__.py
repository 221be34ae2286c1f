"""The rating pad (好差評) at a window's counter: five levels after each finished ticket."""
