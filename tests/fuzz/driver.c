/*
 * driver.c — replays a fuzz corpus through LLVMFuzzerTestOneInput without
 * libFuzzer, so that `make check` runs every corpus file under ASan and
 * UBSan.  Arguments: files or directories.  For long runs build the
 * fuzz_*.c files with clang -fsanitize=fuzzer instead.
 */
#include <dirent.h>
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
run_file(const char *path)
{
	FILE *f;
	uint8_t *buf;
	long n;

	if ((f = fopen(path, "rb")) == NULL)
		err(1, "%s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	if (n < 0 || (buf = malloc((size_t)n + 1)) == NULL)
		err(1, "%s", path);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		err(1, "%s", path);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 1;
}

int
main(int argc, char **argv)
{
	int count = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		struct dirent *de;
		DIR *d;

		if (stat(argv[i], &st) == -1)
			err(1, "%s", argv[i]);
		if (!S_ISDIR(st.st_mode)) {
			count += run_file(argv[i]);
			continue;
		}
		if ((d = opendir(argv[i])) == NULL)
			err(1, "%s", argv[i]);
		while ((de = readdir(d)) != NULL) {
			char p[4096];

			if (de->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", argv[i], de->d_name);
			count += run_file(p);
		}
		closedir(d);
	}
	printf("%d inputs replayed\n", count);
	return 0;
}
