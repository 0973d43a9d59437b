/* catdog.h — the book's exercise (predict cat and dog photos and analyse): a photo's verdict
 * from its top-1 ImageNet class, by the class hierarchy's index ranges. */
#ifndef CLVIS_CLI_CATDOG_H
#define CLVIS_CLI_CATDOG_H

typedef enum { CATDOG_CAT, CATDOG_DOG, CATDOG_OTHER } catdog_verdict;

/* ImageNet-1k (Keras / torchvision order): the dogs are classes 151 (Chihuahua) to 268
 * (Mexican_hairless), the domestic cats 281 (tabby) to 285 (Egyptian_cat); anything else,
 * the wild cats 286-293 included, is other. */
#define CATDOG_DOG_FIRST 151
#define CATDOG_DOG_LAST 268
#define CATDOG_CAT_FIRST 281
#define CATDOG_CAT_LAST 285

catdog_verdict catdog_of_class(int index);
const char *catdog_name(catdog_verdict v); /* "cat", "dog", "other" */
/* The probability mass of each range over 1000 outputs. */
void catdog_mass(const float *probs, int n, double *p_cat, double *p_dog);

#endif
