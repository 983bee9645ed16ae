#ifndef CHASHSCAN_OPENSSL_SHIM_H
#define CHASHSCAN_OPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#endif
