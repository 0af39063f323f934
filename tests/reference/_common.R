# Shared by every fixture script (they run with tests/reference as the working
# directory): a JSON writer that keeps all 17 significant digits, since
# jsonlite stops at 15, which is not enough to pin a double.
#
# In a fixture script:   source("_common.R"); ...; write_fixture(list(...), commandArgs(TRUE)[1])

json_value <- function(x) {
  if (is.null(x)) return("null")
  if (is.list(x)) {
    items <- vapply(x, json_value, "")
    if (length(x) == 0) return(if (is.null(names(x))) "[]" else "{}")
    if (!is.null(names(x)) && all(names(x) != "")) {
      keys <- vapply(names(x), function(k) json_string(k), "")
      return(paste0("{", paste0(keys, ": ", items, collapse = ", "), "}"))
    }
    return(paste0("[", paste(items, collapse = ", "), "]"))
  }
  if (is.matrix(x)) {
    rows <- vapply(seq_len(nrow(x)), function(i) json_value(as.vector(x[i, ])), "")
    return(paste0("[", paste(rows, collapse = ", "), "]"))
  }
  if (is.character(x)) {
    items <- vapply(x, json_string, "")
  } else if (is.logical(x)) {
    items <- ifelse(is.na(x), "null", ifelse(x, "true", "false"))
  } else if (is.numeric(x)) {
    items <- ifelse(is.finite(x), sprintf("%.17g", as.double(x)),
                    ifelse(is.na(x), "null", ifelse(x > 0, "\"Infinity\"", "\"-Infinity\"")))
  } else {
    stop("json_value: unsupported type ", class(x)[1])
  }
  # A length-1 vector is a scalar unless wrapped in I() (class AsIs).
  if (length(items) == 1 && !inherits(x, "AsIs")) return(unname(items))
  paste0("[", paste(items, collapse = ", "), "]")
}

json_string <- function(s) {
  s <- gsub("\\\\", "\\\\\\\\", s)
  s <- gsub("\"", "\\\\\"", s)
  paste0("\"", s, "\"")
}

write_fixture <- function(obj, path) {
  obj$`_r_version` <- R.version.string
  writeLines(json_value(obj), path)
}
