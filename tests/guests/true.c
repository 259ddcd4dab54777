// A static /bin/true: the start-up benchmark's program.
int main(void) { return 0; }
