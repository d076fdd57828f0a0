// The parts of libcurl kam uses, with typed wrappers for its variadic calls
// (Swift cannot call C variadic functions).
#ifndef KAM_CCURL_SHIM_H
#define KAM_CCURL_SHIM_H

#include <curl/curl.h>

static inline CURLcode kam_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode kam_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode kam_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode kam_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode kam_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

typedef size_t (*kam_curl_write_callback)(char *data, size_t size, size_t count, void *context);
typedef int (*kam_curl_progress_callback)(void *context, curl_off_t download_total, curl_off_t downloaded,
                                          curl_off_t upload_total, curl_off_t uploaded);

static inline CURLcode kam_curl_setopt_write(CURL *handle, CURLoption option, kam_curl_write_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

static inline CURLcode kam_curl_setopt_progress(CURL *handle, kam_curl_progress_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}

static inline CURLcode kam_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode kam_curl_getinfo_off(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

#endif
