// Typed wrappers for SQLite's variadic configuration calls, which Swift
// cannot make. The library itself comes with GRDB.
#ifndef KAM_CSQLITECONFIG_SHIM_H
#define KAM_CSQLITECONFIG_SHIM_H

#include <sqlite3.h>

/// Turns off the checkpoint SQLite runs when the last connection to a WAL
/// database closes; returns an SQLite result code.
static inline int kam_sqlite3_no_checkpoint_on_close(sqlite3 *db) {
#ifdef SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE
    int value = 0;
    return sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, &value);
#else
    return SQLITE_ERROR;
#endif
}

#endif
