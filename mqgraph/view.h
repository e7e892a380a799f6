/* view.h - a running graph's replies as text for a terminal: the status tables
 * (`mqgraph status`, `mqgraph top`) and one line per event (`mqgraph events`). */
#ifndef MQG_VIEW_H
#define MQG_VIEW_H

#include <stdio.h>
#include <jansson.h>

void view_status(FILE *f, const json_t *st);
void view_event(FILE *f, const json_t *ev);
/* 1234567 as "1.23M": rates in a fixed width. */
void view_si(char *out, size_t len, double v);

#endif
