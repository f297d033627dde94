/* main.c - the pitally command. Everything it does is in src/cli/ (the commands) on top
 * of the library stages (input, records, classify, tally, verdict, report, pipeline). */
#include "cli/cli.h"

int main(int argc, char **argv)
{
    return pt_cli_main(argc, argv);
}
