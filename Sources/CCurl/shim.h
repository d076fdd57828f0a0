// The parts of libcurl kam uses, opened when kam first talks to a server:
// commands that never do (most of them) start without loading libcurl and
// the thirty libraries it needs. Typed wrappers stand in for its variadic
// calls, which Swift cannot make.
#ifndef KAM_CCURL_SHIM_H
#define KAM_CCURL_SHIM_H

#include <curl/curl.h>
#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/// libcurl's functions, found by `kam_curl_load`.
struct kam_curl_functions {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *handle);
    CURLcode (*easy_perform)(CURL *handle);
    const char *(*easy_strerror)(CURLcode code);
    CURLcode (*easy_setopt)(CURL *handle, CURLoption option, ...);
    CURLcode (*easy_getinfo)(CURL *handle, CURLINFO info, ...);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *text);
    void (*slist_free_all)(struct curl_slist *list);
};

/// Opens libcurl (OpenSSL's build, else GnuTLS's), fills `f` and
/// initialises the library once; returns NULL, or what went wrong.
static inline const char *kam_curl_load(struct kam_curl_functions *f) {
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        // The first error names the library kam looks for first.
        static char problem[512];
        const char *first = dlerror();
        snprintf(problem, sizeof problem, "%s", first != NULL ? first : "libcurl.so.4 not found");
        library = dlopen("libcurl-gnutls.so.4", RTLD_NOW | RTLD_LOCAL);
        if (library == NULL) return problem;
    }
    void *symbol;
    (void)dlerror();
#define KAM_CURL_FIND(field, name) \
    symbol = dlsym(library, name); \
    if (symbol == NULL) return "the libcurl found lacks " name; \
    memcpy(&f->field, &symbol, sizeof symbol);
    KAM_CURL_FIND(global_init, "curl_global_init")
    KAM_CURL_FIND(easy_init, "curl_easy_init")
    KAM_CURL_FIND(easy_cleanup, "curl_easy_cleanup")
    KAM_CURL_FIND(easy_perform, "curl_easy_perform")
    KAM_CURL_FIND(easy_strerror, "curl_easy_strerror")
    KAM_CURL_FIND(easy_setopt, "curl_easy_setopt")
    KAM_CURL_FIND(easy_getinfo, "curl_easy_getinfo")
    KAM_CURL_FIND(slist_append, "curl_slist_append")
    KAM_CURL_FIND(slist_free_all, "curl_slist_free_all")
#undef KAM_CURL_FIND
    if (f->global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return "libcurl could not initialise";
    return NULL;
}

static inline CURL *kam_curl_easy_init(const struct kam_curl_functions *f) { return f->easy_init(); }
static inline void kam_curl_easy_cleanup(const struct kam_curl_functions *f, CURL *handle) { f->easy_cleanup(handle); }
static inline CURLcode kam_curl_easy_perform(const struct kam_curl_functions *f, CURL *handle) { return f->easy_perform(handle); }
static inline const char *kam_curl_easy_strerror(const struct kam_curl_functions *f, CURLcode code) { return f->easy_strerror(code); }

static inline struct curl_slist *kam_curl_slist_append(const struct kam_curl_functions *f, struct curl_slist *list, const char *text) {
    return f->slist_append(list, text);
}

static inline void kam_curl_slist_free_all(const struct kam_curl_functions *f, struct curl_slist *list) { f->slist_free_all(list); }

static inline CURLcode kam_curl_setopt_long(const struct kam_curl_functions *f, CURL *handle, CURLoption option, long value) {
    return f->easy_setopt(handle, option, value);
}

static inline CURLcode kam_curl_setopt_off(const struct kam_curl_functions *f, CURL *handle, CURLoption option, curl_off_t value) {
    return f->easy_setopt(handle, option, value);
}

static inline CURLcode kam_curl_setopt_string(const struct kam_curl_functions *f, CURL *handle, CURLoption option, const char *value) {
    return f->easy_setopt(handle, option, value);
}

static inline CURLcode kam_curl_setopt_pointer(const struct kam_curl_functions *f, CURL *handle, CURLoption option, void *value) {
    return f->easy_setopt(handle, option, value);
}

static inline CURLcode kam_curl_setopt_slist(const struct kam_curl_functions *f, CURL *handle, CURLoption option, struct curl_slist *value) {
    return f->easy_setopt(handle, option, value);
}

typedef size_t (*kam_curl_write_callback)(char *data, size_t size, size_t count, void *context);
typedef int (*kam_curl_progress_callback)(void *context, curl_off_t download_total, curl_off_t downloaded,
                                          curl_off_t upload_total, curl_off_t uploaded);

static inline CURLcode kam_curl_setopt_write(const struct kam_curl_functions *f, CURL *handle, CURLoption option, kam_curl_write_callback callback) {
    return f->easy_setopt(handle, option, callback);
}

static inline CURLcode kam_curl_setopt_progress(const struct kam_curl_functions *f, CURL *handle, kam_curl_progress_callback callback) {
    return f->easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}

static inline CURLcode kam_curl_getinfo_long(const struct kam_curl_functions *f, CURL *handle, CURLINFO info, long *value) {
    return f->easy_getinfo(handle, info, value);
}

#endif
