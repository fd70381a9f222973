package io.github.panamarnn.cells;

/** A cell around another cell, whose state parts are the inner cell's. */
interface CellWrapper {
    RnnCell inner();
}
