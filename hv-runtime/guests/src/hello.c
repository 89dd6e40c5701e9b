/* hello: the smallest guest. Prints one line and shuts down cleanly. */
#include <stdio.h>

int main(void)
{
    printf("Hello from a Hotvisor guest!\n");
    return 0;
}
