#ifndef CHASHSCAN_SQLITE_SHIM_H
#define CHASHSCAN_SQLITE_SHIM_H
#include <sqlite3.h>
#endif
