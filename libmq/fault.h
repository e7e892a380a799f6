/* fault.h - test-only control of the crash points (see fault.c). */
#ifndef MQ_FAULT_H
#define MQ_FAULT_H

/* The nth crash point reached from now kills the process; 0 disables. */
void mq_fault_countdown(long n);

#endif
