# R's built-in mtcars, in full, so mathkit.datasets.load_mtcars can be checked
# value by value against R itself (not against the CSV it reads).
source("_common.R")
m <- as.matrix(datasets::mtcars)
write_fixture(list(mtcars = list(rownames = I(rownames(m)), colnames = I(colnames(m)),
                                 storage = I(vapply(datasets::mtcars, typeof, "")),
                                 values = m)),
              commandArgs(TRUE)[1])
