"""Tile compression: codecs (:mod:`.codecs`), the tile-level hook the matrix readers use
(:mod:`.tiles`) and the SQL entry points ``matrix_compress`` / ``matrix_info`` (:mod:`.entry`)."""
