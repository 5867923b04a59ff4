// libpq, opened on first use: the collector's PostgreSQL database. See shared_library.h.
#include <libpq-fe.h>

#include "ondemand/shared_library.h"

namespace {
constexpr dnswitness::ondemand::SharedLibrary kPq{"libpq.so.5", "libpq5", "the collector's PostgreSQL database"};
}  // namespace

extern "C" {

DNSWITNESS_ON_DEMAND(kPq, PGconn*, PQconnectdb, (const char* conninfo), (conninfo))
DNSWITNESS_ON_DEMAND(kPq, void, PQfinish, (PGconn * conn), (conn))
DNSWITNESS_ON_DEMAND(kPq, char*, PQdb, (const PGconn* conn), (conn))
DNSWITNESS_ON_DEMAND(kPq, char*, PQhost, (const PGconn* conn), (conn))
DNSWITNESS_ON_DEMAND(kPq, ConnStatusType, PQstatus, (const PGconn* conn), (conn))
DNSWITNESS_ON_DEMAND(kPq, char*, PQerrorMessage, (const PGconn* conn), (conn))
DNSWITNESS_ON_DEMAND(kPq, PQnoticeProcessor, PQsetNoticeProcessor, (PGconn * conn, PQnoticeProcessor proc, void* arg),
                     (conn, proc, arg))
DNSWITNESS_ON_DEMAND(kPq, PGresult*, PQexec, (PGconn * conn, const char* query), (conn, query))
DNSWITNESS_ON_DEMAND(kPq, PGresult*, PQexecParams,
                     (PGconn * conn, const char* command, int nParams, const Oid* paramTypes,
                      const char* const* paramValues, const int* paramLengths, const int* paramFormats,
                      int resultFormat),
                     (conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats, resultFormat))
DNSWITNESS_ON_DEMAND(kPq, ExecStatusType, PQresultStatus, (const PGresult* res), (res))
DNSWITNESS_ON_DEMAND(kPq, char*, PQresultErrorMessage, (const PGresult* res), (res))
DNSWITNESS_ON_DEMAND(kPq, char*, PQresultErrorField, (const PGresult* res, int fieldcode), (res, fieldcode))
DNSWITNESS_ON_DEMAND(kPq, int, PQntuples, (const PGresult* res), (res))
DNSWITNESS_ON_DEMAND(kPq, int, PQnfields, (const PGresult* res), (res))
DNSWITNESS_ON_DEMAND(kPq, char*, PQgetvalue, (const PGresult* res, int tup_num, int field_num),
                     (res, tup_num, field_num))
DNSWITNESS_ON_DEMAND(kPq, int, PQgetisnull, (const PGresult* res, int tup_num, int field_num),
                     (res, tup_num, field_num))
DNSWITNESS_ON_DEMAND(kPq, void, PQclear, (PGresult * res), (res))

}  // extern "C"
